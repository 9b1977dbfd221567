"""impact.bayes"""
