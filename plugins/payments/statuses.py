"""Order statuses (trạng thái đơn hàng) and the moves staff and payments may make between them.

Plain strings with no Django imports, so ``settings`` can read them into Oscar's
``OSCAR_INITIAL_ORDER_STATUS`` and ``OSCAR_ORDER_STATUS_PIPELINE``. Oscar stores and shows the
status as it is, so the values are the Vietnamese words shoppers know from other marketplaces.
"""

#: A cash-on-delivery order waiting for the shop to confirm it (the initial status).
AWAITING_CONFIRMATION = "Chờ xác nhận"
#: A card order placed, its Stripe PaymentIntent not yet succeeded.
AWAITING_PAYMENT = "Chờ thanh toán"
#: Stripe reported the card payment succeeded (webhook ``payment_intent.succeeded``).
PAID = "Đã thanh toán"
#: Stripe reported the card payment failed; the shopper may try another card.
PAYMENT_FAILED = "Thanh toán thất bại"
SHIPPING = "Đang giao hàng"
COMPLETED = "Hoàn thành"
CANCELLED = "Đã hủy"

INITIAL_ORDER_STATUS = AWAITING_CONFIRMATION

ORDER_STATUS_PIPELINE: dict[str, tuple[str, ...]] = {
    AWAITING_CONFIRMATION: (SHIPPING, COMPLETED, CANCELLED),
    AWAITING_PAYMENT: (PAID, PAYMENT_FAILED, CANCELLED),
    PAYMENT_FAILED: (PAID, CANCELLED),
    PAID: (SHIPPING, COMPLETED, CANCELLED),
    SHIPPING: (COMPLETED, CANCELLED),
    COMPLETED: (),
    CANCELLED: (),
}
