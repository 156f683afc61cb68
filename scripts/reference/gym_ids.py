"""The suite's MuJoCo environment ids in Gymnasium: every id is Gymnasium's own with its
default arguments, except Ant-v4-contact, which is Ant-v4 with use_contact_forces=True (the
paper's Ant-v2 setting: 111-dimensional observation, contact cost in the reward)."""
import gymnasium

SPECIAL = {"Ant-v4-contact": ("Ant-v4", {"use_contact_forces": True})}


def gymnasium_id(suite_id):
    """(Gymnasium id, keyword arguments) of a suite id."""
    return SPECIAL.get(suite_id, (suite_id, {}))


def gymnasium_make(suite_id):
    """gymnasium.make for a suite id."""
    env_id, kwargs = gymnasium_id(suite_id)
    return gymnasium.make(env_id, **kwargs)
