"""JSON auth for scripts: register, log in (bearer token), log out, me. A user's ``id`` is
their public id (a UUID), never the counter the database keys them by."""
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StrictBool

from core.ratelimits import rate_limit
from core.validators import CleanText
from economy import selectors as economy_selectors

from . import services
from .auth import BearerAuth

router = Router(tags=["auth"])


class RegisterIn(Schema):
    username: CleanText = Field(min_length=1, max_length=150)
    email: CleanText = Field(min_length=3, max_length=254)
    password: CleanText = Field(min_length=1, max_length=128)
    confirm_age: StrictBool
    accept_terms: StrictBool


class RegisterOut(Schema):
    id: UUID
    username: str


class LoginIn(Schema):
    username: CleanText = Field(min_length=1, max_length=254, description="Username or e-mail.")
    password: CleanText = Field(min_length=1, max_length=128)


class TokenOut(Schema):
    token: str


class MeOut(Schema):
    id: UUID
    username: str
    email: str
    balance: int
    free_pulls_left: int


@router.post("register", auth=None, response={201: RegisterOut})
def register(request: HttpRequest, payload: RegisterIn):
    rate_limit(request, group="register", rate=settings.THROTTLE_AUTH_RATE)
    user = services.user_register(**payload.dict())
    return Status(201, {"id": user.public_id, "username": user.username})


@router.post("login", auth=None, response=TokenOut)
def login(request: HttpRequest, payload: LoginIn):
    rate_limit(request, group="login", rate=settings.THROTTLE_AUTH_RATE)
    user = services.user_authenticate(request, login=payload.username, password=payload.password)
    return {"token": services.token_issue(user)}


@router.post("logout", auth=BearerAuth(), response={204: None})
def logout(request: HttpRequest):
    token = request.headers["Authorization"].split(" ", 1)[1]
    services.token_revoke(token)
    return Status(204, None)


@router.get("me", response=MeOut)
def me(request: HttpRequest):
    user = request.auth
    return {
        "id": user.public_id,
        "username": user.username,
        "email": user.email,
        "balance": economy_selectors.balance(user),
        "free_pulls_left": economy_selectors.free_pulls_left(user),
    }
