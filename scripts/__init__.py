"""Developer tooling: local stack (DynamoDB Local / moto, chalice local) and helpers."""
