"""Leaf helpers every app may import: the application error, API helpers, rate limits.

Nothing here imports an app, so no app's import order can make a cycle through it.
"""
