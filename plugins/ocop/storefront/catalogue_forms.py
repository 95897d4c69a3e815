"""The catalogue's filter form: GET parameters in, ``CatalogueFilters`` out.

Every parameter is optional and a value that is not among the choices is ignored rather than
reported: a shopper following an old link (a commune of another province, a star filter of 7)
still gets a listing, just without that filter."""

from __future__ import annotations

from typing import NamedTuple

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .listing import (
    DEFAULT_PER_PAGE,
    PER_PAGE_CHOICES,
    SORT_NEWEST,
    SORT_PRICE_ASC,
    SORT_PRICE_DESC,
    SORT_RELEVANCE,
    SORT_STARS,
    CatalogueFilters,
    FilterChoices,
)

ALL = ("", _("All"))


class Menu(NamedTuple):
    name: str
    label: str
    #: (value, label, selected)
    options: list[tuple[str, str, bool]]


def _choice(coerce=str, **kwargs) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(coerce=coerce, required=False, empty_value=None, **kwargs)


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    stars = _choice(
        int,
        label=_("OCOP stars"),
        choices=[
            ALL,
            ("3", _("3 stars and up")),
            ("4", _("4 stars and up")),
            ("5", _("5 stars")),
        ],
    )
    group = _choice(int, label=_("Product group"))
    province = _choice(label=_("Province / city"))
    commune = _choice(label=_("Commune / ward"))
    district = _choice(label=_("District (before 2025)"))
    village = _choice(label=_("Craft village"))
    producer = forms.IntegerField(label=_("Producer"), required=False, min_value=1)
    sort = _choice(label=_("Sort by"))
    per_page = _choice(int, label=_("Per page"))

    def __init__(self, data, *, choices: FilterChoices, searching: bool = False):
        # A group may also be named by its slug ("thuc-pham"), as category links do.
        by_slug = {slug: str(code) for code, slug, _vi, _en in choices.groups}
        if data.get("group") in by_slug:
            data = data.copy()
            data["group"] = by_slug[data["group"]]
        super().__init__(data)
        self.choices = choices
        self.searching = searching
        english = (get_language() or "").startswith("en")
        fields = self.fields
        fields["group"].choices = [ALL] + [
            (str(code), name_en if english else name_vi)
            for code, _slug, name_vi, name_en in choices.groups
        ]
        fields["province"].choices = [ALL, *choices.provinces]
        fields["commune"].choices = [ALL, *choices.communes]
        fields["district"].choices = [ALL, *choices.districts]
        fields["village"].choices = [ALL] + [(v, v) for v in choices.villages]
        sorts = [
            (SORT_STARS, _("Highest stars")),
            (SORT_PRICE_ASC, _("Price: low to high")),
            (SORT_PRICE_DESC, _("Price: high to low")),
            (SORT_NEWEST, _("Newest")),
        ]
        if searching:
            sorts.insert(0, (SORT_RELEVANCE, _("Best match")))
        fields["sort"].choices = sorts
        fields["per_page"].choices = [(str(n), str(n)) for n in PER_PAGE_CHOICES]
        self.is_valid()

    #: The filters shown as drop-down lists, in the order the page shows them.
    SELECTS = ("group", "province", "commune", "district", "village")

    def menu(self, name: str, selected: object = None) -> Menu:
        """Field ``name`` as a list of options for the template, which writes the ``<select>``
        or radio buttons itself: Django's widgets render each option through a template, which
        for a few hundred communes and districts costs more than the rest of the page."""
        field = self.fields[name]
        chosen = str(self.value(name) if selected is None else selected)
        return Menu(
            name,
            str(field.label),
            [(str(value), str(label), str(value) == chosen) for value, label in field.choices],
        )

    def filter_menus(self) -> list[Menu]:
        return [self.menu(name) for name in self.SELECTS]

    def value(self, name: str):
        """The cleaned value of ``name``, or None when it was absent or invalid."""
        return self.cleaned_data.get(name)

    @property
    def default_sort(self) -> str:
        return SORT_RELEVANCE if self.searching else SORT_STARS

    def chosen_sort(self) -> str:
        return self.value("sort") or self.default_sort

    def chosen_per_page(self) -> int:
        return self.value("per_page") or DEFAULT_PER_PAGE

    def filters(self, *, categories: tuple[int, ...] = ()) -> CatalogueFilters:
        return CatalogueFilters(
            stars=self.value("stars"),
            group=self.value("group"),
            province=self.value("province") or "",
            commune=self.value("commune") or "",
            district=self.value("district") or "",
            producer=self.value("producer"),
            village=self.value("village") or "",
            categories=categories,
            q=(self.value("q") or "").strip(),
        )
