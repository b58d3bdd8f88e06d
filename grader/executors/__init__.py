"""Executors: where a batch's gradings run (see base.Executor)."""
