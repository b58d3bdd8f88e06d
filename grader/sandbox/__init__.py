"""Sandboxes: where a suite runs against an app (see base.Sandbox)."""
