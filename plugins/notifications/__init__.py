"""Emails to producers (thông báo cho chủ thể OCOP): new orders for their products and
reminders before their OCOP certificates expire."""
