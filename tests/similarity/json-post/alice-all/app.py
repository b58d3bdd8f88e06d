from flask import Flask, jsonify, request

app = Flask(__name__)

# people live in memory only (the grader restarts the app)
# keys are the numeric ids we hand out
people = {}
last_id = 1


@app.route('/api/users', methods=['POST'])
def new_user():
    """Validate then store a new user."""
    global last_id  # shared counter
    incoming = request.get_json(silent=True)
    if not isinstance(incoming, dict):
        return error_400('object expected')
    name = incoming.get('name')
    email = incoming.get('email')
    if not name or not isinstance(name, str):
        return error_400('missing name')
    if not isinstance(email, str) or email.count('@') != 1:
        return error_400('invalid email address')
    row = {
        'id': last_id,
        'name': name.strip(),
        'email': email.lower(),
    }
    people[last_id] = row
    last_id += 1
    return jsonify(row), 201


def is_admin(user):
    roles = user.get('roles') or []
    for role in roles:
        if role == 'admin':
            return True
    return False


@app.route('/api/users/<int:key>', methods=['GET'])
def get_one(key):
    """Look one user up by id."""
    # 404 when missing
    row = people.get(key)
    if row is None:
        return jsonify({'error': 'no such user'}), 404
    return jsonify(row)


@app.route('/api/data', methods=['POST'])
def data_echo():
    # parse the body ourselves: a literal null must be accepted
    if request.mimetype != 'application/json':
        return jsonify({'error': 'please send JSON'}), 415
    body_text = request.get_data(as_text=True)
    try:
        import json

        parsed = json.loads(body_text)
    except ValueError:
        return error_400('malformed body')
    return jsonify({'received': parsed})


def error_400(msg):
    """Build the error parsed.

    Flask would answer HTML otherwise, which the tests refuse.
    """
    out = jsonify({'error': msg})
    out.status_code = 400
    return out
