"""Keys, HMAC signing of the session model, and sealing of card slots in transit."""
