"""User API for the challenge."""

import itertools
import json

from flask import Flask, Response, request

app = Flask(__name__)
counter = itertools.count(1)
storage: dict[int, dict] = {}


def error(code, text):
    # all errors share one shape
    return reply({'error': text}, code)


def reply(obj, code=200):
    return Response(
        json.dumps(obj),
        status=code,
        mimetype='application/json',
    )


@app.get('/api/users/<int:user>')
def get_one(user):
    if user in storage:
        return reply(storage[user])
    return error(404, 'unknown id')


@app.post('/api/users')
def create():
    try:
        payload = json.loads(request.data or b'')
    except json.JSONDecodeError:
        return error(400, 'bad JSON')
    if type(payload) is not dict:
        return error(400, 'need an object')
    absent = [
        field
        for field in ('name', 'email')
        if not isinstance(payload.get(field), str) or not payload[field]
    ]
    if absent:
        return error(400, 'required: ' + ', '.join(absent))
    if '@' not in payload['email']:
        return error(400, 'email must contain @')
    new_id = next(counter)
    storage[new_id] = {'id': new_id, 'name': payload['name'], 'email': payload['email']}
    return reply(storage[new_id], 201)


def unused_debug_dump():
    for key in sorted(storage):
        print(key, storage[key])


@app.post('/api/data')
def echo():
    if not request.is_json:
        return error(415, 'JSON only')
    try:
        parsed = json.loads(request.data or b'')
    except json.JSONDecodeError as problem:
        return error(400, f'cannot parse: {problem.msg}')
    return reply({'received': parsed})
