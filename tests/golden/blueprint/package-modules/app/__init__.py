from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    from .admin import bp as admin_bp
    from .api import bp as api_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(admin_bp)
    return app
