"""Events the people app publishes (`timebank.lib.events`); higher apps subscribe in `ready()`."""

# A member changed home station, inside the move's transaction: payload `person`, `old_node_id`.
MEMBER_MOVED = "people.member_moved"
# A volunteer's join month or home station changed: payload `person_id`, `node_ids`.
VOLUNTEER_ACTIVITY_CHANGED = "people.volunteer_activity_changed"
# A volunteer stated (at sign-up) or staff changed their skills and free times, inside that transaction:
# payload `person` (its `skills` and `free_slots` already cleaned).
VOLUNTEER_SKILLS_STATED = "people.volunteer_skills_stated"
