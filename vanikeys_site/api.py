"""The one JSON API (PRODUCT.md §9): each app's router, registered by import string, and
the error handlers of ``core.handlers``. OpenAPI at /api/openapi.json, docs at /api/docs."""

from accounts.auth import BearerAuth, SessionCsrfAuth
from core.contract import ContractAPI
from core.handlers import install_api_handlers

ROUTERS = {
    "auth/": "accounts.api.router",
    "api/tokens/": "economy.api.router",
    "api/patterns/": "patterns.api.router",
    "api/pulls/": "pulls.api.router",
    "api/jobs/": "jobs.api.router",
    "api/tokens/purchase": "payments.api.purchase_router",
    "api/payments/": "payments.api.router",
}

# The domain errors each operation can answer with, on top of those every operation of its
# kind can (core.contract: 400 bad input, 401/403 auth and CSRF, 404 ids, 413/415 bodies);
# the schema documents them all with the §9 error shape. tests/security/test_schemathesis.py
# fails on any status an operation answers that its schema does not list.
ERRORS = {
    "accounts_api_register": {409, 429},
    "accounts_api_login": {401, 429},
    "patterns_api_validate": {429},
    "patterns_api_estimate": {422, 429},
    "pulls_api_execute": {402, 422, 429},
    "pulls_api_history": {400},
    "jobs_api_create": {402, 409, 422, 429},
    "jobs_api_quote": {422, 429},
    "jobs_api_history": {400},
    "jobs_api_result": {409},
    "jobs_api_cancel": {409},
    "economy_api_transactions": {400},
    "payments_api_purchase": {429, 503},
    "payments_api_create_intent": {429, 503},
    "payments_api_purchases": {400},
    "payments_api_webhook": {400, 503},
}

api = ContractAPI(
    title="VaniKeys API",
    version="1",
    description="Vanity Ed25519 keys: patterns, odds, pulls, guaranteed jobs, tokens.",
    openapi_url="api/openapi.json",
    docs_url="api/docs",
    urls_namespace="api",
    auth=[BearerAuth(), SessionCsrfAuth()],
    errors=ERRORS,
)
install_api_handlers(api)
for prefix, router in ROUTERS.items():
    api.add_router(prefix, router)
