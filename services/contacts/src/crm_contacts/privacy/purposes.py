"""What each consent purpose means, in words written for customers: why the data is collected, how
it is used, and which data it uses. The one place these texts live (`GET /v1/privacy/purposes`)."""

from collections.abc import Mapping
from dataclasses import dataclass

from crm_contacts.consents.schemas import Purpose


@dataclass(frozen=True)
class PurposeText:
    title: str
    description: str
    data_used: tuple[str, ...]


PURPOSES: Mapping[Purpose, PurposeText] = {
    Purpose.email_marketing: PurposeText(
        title="News and offers by email",
        description=(
            "With your consent we email you news about our products, offers and invitations. We "
            "use your name to address you and your email address to reach you, and we choose "
            "what to send by what you ordered and the preferences you told us. You can withdraw "
            "at any time; you keep every service and price you have without it."
        ),
        data_used=("name", "email addresses", "order history", "preferences"),
    ),
    Purpose.sms: PurposeText(
        title="Offers by text message",
        description=(
            "With your consent we send you short text messages about offers and events. We use "
            "your mobile number to reach you and your name to address you. You can withdraw at "
            "any time; you keep every service and price you have without it."
        ),
        data_used=("name", "phone numbers"),
    ),
    Purpose.phone: PurposeText(
        title="Calls from our team",
        description=(
            "With your consent our team may call you about offers and new products that suit "
            "what you bought or asked about. We use your phone number, your name, your orders "
            "and your earlier conversations with us, so that the person who calls knows your "
            "story. You can withdraw at any time; you keep every service and price you have "
            "without it."
        ),
        data_used=("name", "phone numbers", "order history", "conversations with our team"),
    ),
    Purpose.profiling: PurposeText(
        title="Recommendations chosen for you",
        description=(
            "With your consent we look at your orders, your visits to our website and your "
            "conversations with us to recommend products and offers that fit you. Without it you "
            "see the offers everyone sees, at the same prices. You can withdraw at any time."
        ),
        data_used=(
            "order history",
            "pages you visited on our website",
            "conversations with our team",
            "preferences",
        ),
    ),
}
