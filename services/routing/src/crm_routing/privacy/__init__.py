"""Data rights: what routing holds about a contact, exported on request and anonymised when the
contact is erased (`contacts.contact.erased.v1`)."""
