"""What the student gets back: a personal feedback page after each diary, a way to ask their
mentor for contact, and a page to manage their own participation (pause, stop, phone, data)."""
