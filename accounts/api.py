"""JSON auth for scripts: register, log in (bearer token), log out, me."""
from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StrictBool

from economy import selectors as economy_selectors
from vanikeys_site.api import ApiError, throttles
from vanikeys_site.validators import CleanText

from . import selectors, services
from .auth import BearerAuth

router = Router(tags=["auth"])


class RegisterIn(Schema):
    username: CleanText = Field(min_length=1, max_length=150)
    email: CleanText = Field(min_length=3, max_length=254)
    password: CleanText = Field(min_length=1, max_length=128)
    confirm_age: StrictBool
    accept_terms: StrictBool


class RegisterOut(Schema):
    id: int
    username: str


class LoginIn(Schema):
    username: CleanText = Field(min_length=1, max_length=254, description="Username or e-mail.")
    password: CleanText = Field(min_length=1, max_length=128)


class TokenOut(Schema):
    token: str


class MeOut(Schema):
    id: int
    username: str
    email: str
    balance: int
    free_pulls_left: int


@router.post("register", auth=None, response={201: RegisterOut}, throttle=throttles(settings.THROTTLE_AUTH_RATE, "register"))
def register(request: HttpRequest, payload: RegisterIn):
    try:
        user = services.register_user(**payload.dict())
    except services.RegistrationError as exc:
        raise ApiError(409 if exc.code == "conflict" else 400, exc.code, str(exc)) from exc
    return Status(201, {"id": user.pk, "username": user.username})


@router.post("login", auth=None, response=TokenOut, throttle=throttles(settings.THROTTLE_AUTH_RATE, "login"))
def login(request: HttpRequest, payload: LoginIn):
    try:
        candidate = selectors.user_by_login(payload.username)
    except selectors.AmbiguousLogin as exc:
        raise ApiError(400, "ambiguous_login", str(exc)) from exc
    user = candidate and authenticate(request, username=candidate.username, password=payload.password)
    if not user:
        raise ApiError(401, "invalid_credentials", "Wrong username, e-mail or password.")
    return {"token": services.issue_token(user)}


@router.post("logout", auth=BearerAuth(), response={204: None})
def logout(request: HttpRequest):
    token = request.headers["Authorization"].split(" ", 1)[1]
    services.revoke_token(token)
    return Status(204, None)


@router.get("me", response=MeOut)
def me(request: HttpRequest):
    user = request.auth
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "balance": economy_selectors.balance(user),
        "free_pulls_left": economy_selectors.free_pulls_left(user),
    }
