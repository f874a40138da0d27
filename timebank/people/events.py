"""Events the people app publishes (`timebank.lib.events`); higher apps subscribe in `ready()`."""

# A member changed home station, inside the move's transaction: payload `person`, `old_node_id`.
MEMBER_MOVED = "people.member_moved"
# A volunteer's join month or home station changed: payload `person_id`, `node_ids`.
VOLUNTEER_ACTIVITY_CHANGED = "people.volunteer_activity_changed"
