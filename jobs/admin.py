"""Staff views of guaranteed jobs: each job with its chunks, the workers that ground them
and its ledger entries; actions to refund a job or fail it, each with a reason.

Nothing here edits a job or a balance by hand: the actions call ``jobs.services``, which
write ledger entries through ``economy`` (with the staff member as ``created_by`` for a
refund) and stop the job's chunks.
"""
from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from core.exceptions import ApplicationError
from economy import selectors as economy_selectors

from . import selectors, services
from .models import Chunk, Job


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=300, help_text="Shown in the ledger.")


class ChunkInline(admin.TabularInline):
    model = Chunk
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["index", "status", "budget", "keys_done", "attempts", "worker", "keys_per_second", "heartbeat_at",
              "finished_at", "last_error"]
    readonly_fields = fields
    ordering = ["-index"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "number", "pattern", "format", "status", "price_tokens", "paid_with", "keys_tried",
                    "created_at", "finished_at"]
    list_select_related = ["user"]
    list_filter = ["status", "paid_with", "format", "fuzzy", "case_insensitive", "created_at"]
    search_fields = ["=id", "=public_id", "user__username", "user__email", "pattern", "address"]
    date_hierarchy = "created_at"
    inlines = [ChunkInline]
    actions = ["refund_jobs", "fail_jobs"]
    exclude = ["encrypted_seed"]
    readonly_fields = ["live_figures", "workers", "ledger_entries"] + [
        field.name for field in Job._meta.fields if field.name != "encrypted_seed"
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        return False  # its ledger entries refer to it; fail or refund it instead

    @admin.display(description="Now")
    def live_figures(self, job: Job) -> str:
        progress = selectors.job_progress(job)
        return format_html(
            "{} keys tried · {} keys/s · {} workers · P(found by now) {} · cancel refund now {}",
            f"{progress.keys_tried:,}", f"{progress.keys_per_second:,.0f}", progress.workers_busy,
            f"{progress.p_found_by_now:.4f}", progress.cancel_refund_tokens if job.active else "—",
        )

    @admin.display(description="Workers")
    def workers(self, job: Job) -> str:
        rows = job.chunks.exclude(worker="").values_list("worker").distinct()
        return format_html_join(", ", "<code>{}</code>", rows) or "—"

    @admin.display(description="Ledger entries")
    def ledger_entries(self, job: Job) -> str:
        if job.spend_entry_id is None:
            return "—"
        entries = [job.spend_entry, *economy_selectors.refunds_of(job.spend_entry_id).order_by("created_at", "id")]
        return format_html_join(
            mark_safe("<br>"), '<a href="{}">#{}</a> {} {} tokens — {}',
            ((reverse("admin:economy_ledgerentry_change", args=[e.pk]), e.pk, e.get_kind_display(), f"{e.amount:+d}",
              e.reason) for e in entries),
        )

    def _with_reason(self, request: HttpRequest, queryset: QuerySet, action: str, title: str, apply) -> TemplateResponse | None:
        """An action that asks for a reason first, then applies ``apply(job, reason)`` to each job."""
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            for job in queryset:
                try:
                    message = apply(job, form.cleaned_data["reason"])
                except ApplicationError as exc:
                    self.message_user(request, f"{job}: {exc.message}", messages.WARNING)
                else:
                    self.message_user(request, f"{job}: {message}")
            return None
        context = {**self.admin_site.each_context(request), "opts": self.opts, "title": title, "form": form,
                   "jobs": queryset, "action": action, "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)}
        return TemplateResponse(request, "admin/jobs/job/reason_form.html", context)

    @admin.action(description="Refund the selected jobs (what is left of their price), with a reason")
    def refund_jobs(self, request: HttpRequest, queryset: QuerySet):
        def apply(job: Job, reason: str) -> str:
            services.job_refund_by_staff(job.pk, reason=reason, created_by=request.user)
            return f"refunded; {selectors.refunded_tokens(job)} of {job.price_tokens} tokens given back in all."

        return self._with_reason(request, queryset, "refund_jobs", "Refund jobs", apply)

    @admin.action(description="Fail the selected jobs and refund them in full, with a reason")
    def fail_jobs(self, request: HttpRequest, queryset: QuerySet):
        def apply(job: Job, reason: str) -> str:
            job = services.job_fail(job.pk, reason=reason)
            return f"now {job.status}."

        return self._with_reason(request, queryset, "fail_jobs", "Fail jobs", apply)


@admin.register(Chunk)
class ChunkAdmin(admin.ModelAdmin):
    list_display = ["id", "job", "index", "status", "budget", "keys_done", "attempts", "worker", "heartbeat_at"]
    list_select_related = ["job", "job__user"]
    list_filter = ["status", "attempts", "heartbeat_at"]
    search_fields = ["=job__id", "worker", "job__user__username"]
    readonly_fields = [field.name for field in Chunk._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Chunk | None = None) -> bool:
        return False
