"""Container IDs and names: generation, validation, and lookup by name, ID or unique prefix."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from dockyard.errors import Conflict, InvalidParameter, NotFound, no_such_container

NAME_RE = re.compile(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")

_LEFT = (
    "admiring adoring affectionate agitated amazing angry awesome beautiful blissful bold "
    "brave busy charming clever compassionate competent condescending confident cool cranky "
    "crazy dazzling determined distracted dreamy eager ecstatic elastic elated elegant eloquent "
    "epic exciting fervent festive flamboyant focused friendly frosty funny gallant gifted "
    "goofy gracious great happy hardcore heuristic hopeful hungry infallible inspiring "
    "intelligent interesting jolly jovial keen kind laughing loving lucid magical modest "
    "musing mystifying naughty nervous nice nifty nostalgic objective optimistic peaceful "
    "pedantic pensive practical priceless quirky quizzical recursing relaxed reverent romantic "
    "sad serene sharp silly sleepy stoic strange stupefied suspicious sweet tender thirsty "
    "trusting unruffled upbeat vibrant vigilant vigorous wizardly wonderful xenodochial "
    "youthful zealous zen"
).split()
_RIGHT = (
    "agnesi albattani allen almeida archimedes ardinghelli aryabhata austin babbage banach "
    "bardeen bartik bassi beaver bell bhabha bhaskara blackwell bohr booth borg bose boyd "
    "brahmagupta brattain brown carson chandrasekhar clarke colden cori cray curie darwin "
    "davinci dijkstra dubinsky easley edison einstein elion engelbart euclid euler fermat "
    "fermi feynman franklin galileo gates goldberg goldstine goodall hamilton hawking "
    "heisenberg hermann herschel hodgkin hoover hopper hypatia jackson jang jennings jepsen "
    "johnson joliot jones kalam kapitsa keldysh keller kepler khorana kilby kirch knuth "
    "kowalevski lalande lamarr lamport leakey leavitt lewin lichterman liskov lovelace "
    "lumiere mahavira margulis matsumoto maxwell mayer mccarthy mcclintock mclean mcnulty "
    "meitner mendel merkle mestorf mirzakhani montalcini moore morse murdock napier nash "
    "neumann newton nightingale nobel noether northcutt noyce panini pare pascal pasteur "
    "payne perlman pike poincare poitras ptolemy raman ramanujan ride ritchie robinson "
    "roentgen rosalind rubin saha sammet sanderson satoshi shamir shannon shaw shirley "
    "shockley sinoussi snyder solomon spence stonebraker sutherland swanson swartz swirles "
    "taussig tesla tharp thompson torvalds tu turing varahamihira vaughan villani visvesvaraya "
    "volhard wescoff wilbur wiles williams williamson wilson wing wozniak wright wu yalow "
    "yonath zhukovsky"
).split()


def new_id() -> str:
    return secrets.token_hex(32)


def random_name(taken: Iterable[str]) -> str:
    used = set(taken)
    for attempt in range(100):
        name = f"{secrets.choice(_LEFT)}_{secrets.choice(_RIGHT)}"
        if attempt > 10:
            name += str(secrets.randbelow(10))
        if name not in used:
            return name
    raise Conflict("could not generate a unique container name")


def validate_name(name: str) -> str:
    """Return the name without its leading slash, or raise Docker's 400."""
    if not NAME_RE.match(name):
        raise InvalidParameter(
            f"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
        )
    return name.lstrip("/")


class NameIndex:
    """Maps names and IDs to container IDs; the engine's in-memory view of the store."""

    def __init__(self) -> None:
        self._by_name: dict[str, str] = {}
        self._ids: set[str] = set()

    def reserve(self, name: str, container_id: str) -> None:
        owner = self._by_name.get(name)
        if owner is not None and owner != container_id:
            raise Conflict(
                f'Conflict. The container name "/{name}" is already in use by container '
                f'"{owner}". You have to remove (or rename) that container to be able to reuse '
                "that name."
            )
        self._by_name[name] = container_id
        self._ids.add(container_id)

    def release(self, name: str, container_id: str) -> None:
        if self._by_name.get(name) == container_id:
            del self._by_name[name]

    def forget(self, container_id: str) -> None:
        self._ids.discard(container_id)
        for name, owner in list(self._by_name.items()):
            if owner == container_id:
                del self._by_name[name]

    def names(self) -> list[str]:
        return list(self._by_name)

    def resolve(self, ref: str) -> str:
        """Full ID, exact name (with or without "/"), then unique ID prefix — Docker's order."""
        if not ref:
            raise NotFound("No such container: ")
        if ref in self._ids:
            return ref
        name = ref.lstrip("/")
        if name in self._by_name:
            return self._by_name[name]
        matches = [cid for cid in self._ids if cid.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise InvalidParameter(f"multiple IDs found with provided prefix: {ref}")
        raise no_such_container(ref)
