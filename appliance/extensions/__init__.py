"""Extensions: a desk phone's number, SIP account and mailbox."""
