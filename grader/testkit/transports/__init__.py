"""How a :class:`~grader.testkit.client.Request` reaches the app: one module per transport."""
