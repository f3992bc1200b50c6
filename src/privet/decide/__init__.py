"""The decision point: may this purpose use this data of this person, given the policy, their choices and the law."""
