"""Rapport orders service."""
