"""Drafting shared by joint statements, stakeholder submissions and the mid-term report."""
