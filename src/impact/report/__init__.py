"""impact.report"""
