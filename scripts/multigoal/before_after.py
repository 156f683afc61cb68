#!/usr/bin/env python3
"""The multigoal campaign before and after the fidelity fixes, side by side.

Joins the tables `report` wrote for the two campaigns (`make multigoal-before-fixes` and
`make multigoal`) on (agent, alpha, seed, test rule): goal shares G1, G2, G3 and none, mean final
distance to the nearest goal, mean episode length and mean return, for each seed and (seed
`all`, from `multigoal_summary.csv`) over every seed's episodes pooled. Every number is copied
from a Swift-written table; nothing is computed here.

Usage: before_after.py --before Results-before-fixes/tables --after Results/tables --preset quick
                       [--out Results-before-fixes/tables]
Writes OUT/multigoal_before_after.csv and OUT/multigoal_before_after.md. Exit 2 with one line
when a table is missing or has no rows of the preset.
"""
import argparse
import csv
import os
import sys

ORDER = ['s2ac-phi-theta', 's2ac-phi', 's2ac-phi-theta-psi', 'sql', 'sac', 'sac-nf']
GOALS = ['G1', 'G2', 'G3', 'none']
COLUMNS = ['agent', 'alpha', 'seed', 'selection', 'side', 'episodes'] + GOALS + \
    ['mean_final_distance', 'mean_length', 'mean_return']


def fail(message):
    print(f'before_after.py: {message}', file=sys.stderr)
    sys.exit(2)


def read(folder, name, preset):
    path = os.path.join(folder, name)
    if not os.path.isfile(path):
        fail(f'no {path}')
    with open(path, newline='') as f:
        rows = [r for r in csv.DictReader(f) if r.get('preset') == preset]
    if not rows:
        fail(f'{path} has no rows of preset {preset}')
    return rows


def side(folder, preset):
    """(agent, alpha, seed, selection) -> the row's values, as the tables spell them."""
    cells = {}
    for r in read(folder, 'multigoal_goals.csv', preset):
        key = (r['agent'], r['alpha'], r['seed'], r['selection'])
        cell = cells.setdefault(key, {'episodes': r['episodes']})
        if r['goal'] in GOALS:
            cell[r['goal']] = r['share']
    for r in read(folder, 'multigoal_returns.csv', preset):
        key = (r['agent'], r['alpha'], r['seed'], r['selection'])
        cell = cells.setdefault(key, {'episodes': r['episodes']})
        for c in ('mean_final_distance', 'mean_length', 'mean_return'):
            cell[c] = r[c]
    for r in read(folder, 'multigoal_summary.csv', preset):
        cells[(r['agent'], r['alpha'], 'all', r['selection'])] = \
            {c: r[c] for c in ['episodes'] + GOALS + ['mean_final_distance', 'mean_length', 'mean_return']}
    return cells


def short(text, digits):
    """A table's number at a readable precision (display only: the CSV keeps the table's text)."""
    try:
        return f'{float(text):.{digits}f}'
    except ValueError:
        return text or ''


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--before', required=True)
    p.add_argument('--after', required=True)
    p.add_argument('--preset', default='quick')
    p.add_argument('--out')
    a = p.parse_args()
    out = a.out or a.before
    before, after = side(a.before, a.preset), side(a.after, a.preset)
    keys = sorted(set(before) | set(after),
                  key=lambda k: (ORDER.index(k[0]) if k[0] in ORDER else len(ORDER), k[0], k[3], float(k[1]),
                                 k[2] == 'all', int(k[2]) if k[2] != 'all' else 0))
    os.makedirs(out, exist_ok=True)
    rows = []
    for k in keys:
        for name, cells in (('before', before), ('after', after)):
            c = cells.get(k)
            if c is None:
                continue
            rows.append(dict(zip(COLUMNS[:5], list(k) + [name]), episodes=c.get('episodes', ''),
                             **{g: c.get(g, '') for g in GOALS},
                             **{m: c.get(m, '') for m in ('mean_final_distance', 'mean_length', 'mean_return')}))
    tmp = os.path.join(out, '.multigoal_before_after.csv.tmp')
    with open(tmp, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator='\n')
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, os.path.join(out, 'multigoal_before_after.csv'))
    lines = [f'Multigoal, preset {a.preset}: before ({a.before}) and after ({a.after}) the fidelity fixes.',
             'Goal shares of the test episodes, mean final distance to the nearest goal, mean length, mean return;',
             'first every seed\'s episodes pooled (seed `all`), then each seed.']
    for title, chosen in (('Pooled over the seeds', [r for r in rows if r['seed'] == 'all']),
                          ('Each seed', [r for r in rows if r['seed'] != 'all'])):
        lines += ['', f'## {title}', '',
                  '| agent | alpha | seed | rule | side | episodes | G1 | G2 | G3 | none | final distance | length | return |',
                  '|---|---|---|---|---|---|---|---|---|---|---|---|---|']
        for r in chosen:
            lines.append('| ' + ' | '.join([r['agent'], r['alpha'], r['seed'], r['selection'], r['side'], r['episodes']] +
                                           [short(r[g], 2) for g in GOALS] +
                                           [short(r['mean_final_distance'], 2), short(r['mean_length'], 1),
                                            short(r['mean_return'], 1)]) + ' |')
    only = [k for k in keys if (k in before) != (k in after)]
    if only:
        lines += ['', f'{len(only)} rows on one side only (the campaigns ran different grids).']
    tmp = os.path.join(out, '.multigoal_before_after.md.tmp')
    with open(tmp, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    os.replace(tmp, os.path.join(out, 'multigoal_before_after.md'))
    print(f'before_after.py: {len(keys)} (agent, alpha, seed or all, rule) cells, {len(only)} on one side only '
          f'-> {os.path.join(out, "multigoal_before_after.csv")}')


if __name__ == '__main__':
    main()
