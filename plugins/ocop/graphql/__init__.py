"""The OCOP GraphQL API at ``/graphql/``: the public catalogue and the department report."""
