# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one rule set of the stack's inputs, split by area (see :mod:`.core` for the vocabulary)."""
