"""Cohort flow pages: import with dry run, analysis, export. Suppressed outside the owning school."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from zicht.cohorts import analysis, importer, suppression
from zicht.cohorts.forms import ImportForm
from zicht.core import permissions


def _dataset(request, pk):
    dataset = permissions.visible_cohort_datasets(request.user).filter(pk=pk).first()
    if dataset is None:
        raise Http404()
    return dataset


@login_required
def dataset_list(request):
    datasets = permissions.visible_cohort_datasets(request.user).select_related("owner")
    return render(
        request,
        "cohorts/list.html",
        {
            "datasets": datasets,
            "can_import": permissions.cohort_organisations(request.user).exists(),
        },
    )


@login_required
def import_view(request):
    organisations = permissions.cohort_organisations(request.user)
    if not organisations.exists():
        raise Http404()
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = importer.import_records(
            upload.read(),
            upload.name,
            owner=organisations.first(),
            user=request.user,
            name=form.cleaned_data["name"],
            dry_run=form.cleaned_data["dry_run"],
        )
        if result.dataset is not None:
            messages.success(request, f"{result.rows} inschrijvingen geïmporteerd.")
            return redirect("cohorts:detail", pk=result.dataset.pk)
    status = 200 if result is None or result.ok else 400
    return render(
        request,
        "cohorts/import.html",
        {"form": form, "result": result, "errors": result.errors[:200] if result else []},
        status=status,
    )


def _suppressed(request, dataset):
    """Outside the owning school always; inside on request (to preview what others will see)."""
    return not permissions.owns_cohort_dataset(request.user, dataset) or request.GET.get("view") == "extern"


@login_required
def dataset_detail(request, pk):
    dataset = _dataset(request, pk)
    suppressed = _suppressed(request, dataset)
    result = analysis.analyse(importer.records_frame(dataset))
    tables = [suppression.shown_table(t, suppressed) for t in result["tables"]]
    return render(
        request,
        "cohorts/detail.html",
        {
            "dataset": dataset,
            "result": result,
            "tables": tables,
            "suppressed": suppressed,
            "owner": permissions.owns_cohort_dataset(request.user, dataset),
            "records_table": suppression.shown_table(result["records_by_cohort"], suppressed),
        },
    )


@login_required
def dataset_export(request, pk):
    """Long CSV of every table. audience=external (default) is suppressed; internal only for the owner."""
    dataset = _dataset(request, pk)
    internal = request.GET.get("audience") == "internal"
    if internal and not permissions.owns_cohort_dataset(request.user, dataset):
        raise Http404()
    result = analysis.analyse(importer.records_frame(dataset))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cohortstromen-{dataset.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(["table", "row", "column", "value"])
    for table in [result["records_by_cohort"], *result["tables"]]:
        shown = suppression.shown_table(table, suppressed=not internal)
        for row in shown["rows"]:
            for column, value in zip(shown["columns"], row["values"], strict=True):
                writer.writerow([shown["key"], row["label"], column, value])
    return response
