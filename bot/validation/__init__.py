"""Slot validators: plain functions, one per slot, each returning `Valid(value)` or `Invalid(reason)`."""

from bot.validation.card import detect_brand, validate_card_number, validate_security_code
from bot.validation.expiry import validate_expiration_date
from bot.validation.names import validate_first_name, validate_last_name
from bot.validation.result import Invalid, Valid, Validation
from bot.validation.spoken import spoken_to_digits
from bot.validation.types import CardBrand, Expiry, Pan, SecurityCode
from bot.validation.wallet import mask_wallet, to_checksum_address, validate_wallet_address

__all__ = [
    "CardBrand",
    "Expiry",
    "Invalid",
    "Pan",
    "SecurityCode",
    "Valid",
    "Validation",
    "detect_brand",
    "mask_wallet",
    "spoken_to_digits",
    "to_checksum_address",
    "validate_card_number",
    "validate_expiration_date",
    "validate_first_name",
    "validate_last_name",
    "validate_security_code",
    "validate_wallet_address",
]
