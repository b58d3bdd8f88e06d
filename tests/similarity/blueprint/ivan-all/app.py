from flask import Blueprint, Flask, jsonify

LIBRARY = {1: 'Dune', 2: 'Ubik', 3: 'Kindred'}


def make_admin_bp() -> Blueprint:
    bp = Blueprint('admin', __name__)

    @bp.route('/stats')
    def counts():
        # how many books we have
        return jsonify(books=len(LIBRARY))

    @bp.route('/')
    def landing():
        return '<title>Admin</title> %d books' % len(LIBRARY)

    return bp


def make_api_bp() -> Blueprint:
    bp = Blueprint('api', __name__)

    @bp.route('/ping')
    def health():
        return jsonify(pong=True)

    @bp.route('/books')
    def all_books():
        return jsonify(
            [
                {'id': ident, 'title': name}
                for ident, name in sorted(LIBRARY.items())
            ]
        )

    @bp.route('/books/<int:ident>')
    def one_book(ident):
        if ident not in LIBRARY:
            return jsonify(error='not found'), 404
        return jsonify(id=ident, title=LIBRARY[ident])

    return bp


def version() -> str:
    return '1.0'


def create_app() -> Flask:
    application = Flask(__name__)
    application.register_blueprint(make_api_bp(), url_prefix='/api/v1')
    application.register_blueprint(make_admin_bp(), url_prefix='/admin')
    return application
