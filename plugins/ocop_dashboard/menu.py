"""Access functions for the dashboard menu (``OSCAR_DASHBOARD_NAVIGATION`` in settings).

Settings import this module before Django has loaded its apps, so it imports nothing that
touches models until a menu is drawn."""


def producer_menu_access(user, url_name, url_args=None, url_kwargs=None) -> bool:
    """Entries only producer users see (users of a producer's Oscar partner)."""
    from .workspace import is_producer_user

    return is_producer_user(user)
