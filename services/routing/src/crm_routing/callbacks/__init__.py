"""Callbacks: a customer asks to be called back within a window; due ones are routed like calls."""
