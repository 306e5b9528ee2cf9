"""Reusable Textual widgets: they take data and post messages; they know nothing of the store."""
