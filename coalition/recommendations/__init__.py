"""Recommendations: what States recommended at a review, and the positions taken on them."""
