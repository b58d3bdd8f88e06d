"""The grading service for hiring teams: ``grader serve`` (REST API and dashboard).

Needs the ``[service]`` extra. Layout: :mod:`.app` builds the Flask app,
:mod:`.models` holds the database tables, :mod:`.jobs` grades submissions
outside the request, :mod:`.api` and :mod:`.views` are the two front doors
(bearer tokens and browser sessions), :mod:`.intake` turns uploads into
stored submissions for both.
"""
