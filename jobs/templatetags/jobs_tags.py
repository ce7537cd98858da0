"""``{% spark_meter_for_pull pull %}``: the spark meter of a pull's pattern, under its result.

Computed once per pattern per request (a 10× pull shows ten results of one pattern). In an
htmx response it also refreshes the /app offer's meter out of band, so the meter next to
the Guaranteed button moves as soon as a pull lands.
"""
from django import template

from core.exceptions import ApplicationError
from patterns.engine import PatternSpec

from .. import selectors, spark

register = template.Library()


@register.inclusion_tag("jobs/_spark.html", takes_context=True)
def spark_meter_for_pull(context, pull) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or pull.mode != "words" or pull.status != "done":
        return {"meter": None}
    spec = PatternSpec.from_mapping(pull)
    cache = request.__dict__.setdefault("_spark_meters", {})
    key = selectors.pattern_key(spec)
    if key not in cache:
        try:
            quote = selectors.job_quote(spec)
        except ApplicationError:  # not offered (infeasible): no meter toward a price that does not exist
            cache[key] = None
        else:
            cache[key] = spark.spark_meter(user, spec, key=key, price_tokens=quote.price_tokens)
    refreshed = request.__dict__.setdefault("_spark_offer_refreshed", set())
    oob = bool(getattr(request, "htmx", False)) and key not in refreshed  # once per pattern and response
    refreshed.add(key)
    return {"meter": cache[key], "spec": spec, "standalone": True, "oob": oob,
            "csrf_token": context.get("csrf_token"), "request": request}
