"""What comes in: request bodies as Logto reads them, the input guard, zod-like issues,
signed cookies."""
