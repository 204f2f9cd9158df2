"""Figures drawn from results (presentation only: nothing here changes a number)."""
