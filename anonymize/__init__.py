"""Desensitization pipeline: find and remove personal information before publication."""
