"""Sites: headquarters issues enrolment codes; a branch box enrols with one and both ends
set up their WireGuard link from their own databases."""
