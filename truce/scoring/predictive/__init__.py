"""Predictive scoring: a win probability for every open lead, learned from closed outcomes.

features.py says what the model may see of a lead (only what was known before its outcome),
fitting.py trains and evaluates the scikit-learn pipeline, evaluation.py holds the tables both
owners read, explain.py turns a probability into its factors, services.py and selectors.py are
the writes and reads the pages, API, CLI and jobs share. See docs/explanation/predictive-scoring.md.
"""
