"""Opportunity scoring and angle generation through the text registry."""
