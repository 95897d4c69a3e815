"""``{% booking_basket_form request product as form %}``: Oscar's ``basket_form`` tag with the
payments plugin's add-to-basket form (a date picker for a service's booking date)."""

from django import template
from django.contrib.sessions.serializers import JSONSerializer
from oscar.apps.catalogue.models import Product

from ..forms import BookingAddToBasketForm, SimpleBookingAddToBasketForm

register = template.Library()


@register.simple_tag
def booking_basket_form(request, product, quantity_type="single"):
    if not isinstance(product, Product):
        return ""
    initial = {} if product.is_parent else {"product_id": product.id}
    form_class = (
        SimpleBookingAddToBasketForm if quantity_type == "single" else BookingAddToBasketForm
    )
    # What an invalid submission left in the session (Oscar's BasketAddView.form_invalid).
    posted = request.session.pop(f"add_to_basket_form_post_data_{product.pk}", None)
    if posted is not None:
        posted = JSONSerializer().loads(posted.encode("latin-1"))
    return form_class(request.basket, data=posted, product=product, initial=initial)
