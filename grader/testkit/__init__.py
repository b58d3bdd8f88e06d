"""The trusted test side: the client suites use, the pytest plugin, the runner.

Nothing in here imports candidate code except :func:`runner._local_target`
in local mode, which is documented as offering no isolation.
"""
