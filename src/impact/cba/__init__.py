"""impact.cba"""
