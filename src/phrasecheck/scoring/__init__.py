"""Scores and judgements over results: the attitude score, the per-agent KPI, reviews, evaluation."""
