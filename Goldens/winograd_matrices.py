import sympy as sp, itertools
def mats(m, r, pts):
    a = m + r - 1
    assert len(pts) == a - 1
    AT = sp.zeros(m, a); G = sp.zeros(a, r)
    for j, p in enumerate(pts):
        f = sp.prod([p - q for q in pts if q != p])
        for i in range(m): AT[i, j] = p**i
        for k in range(r): G[j, k] = p**k / f
    AT[m-1, a-1] = 1; G[a-1, r-1] = 1
    BT = sp.Matrix(a, a, lambda i, j: sp.Symbol(f'b{i}_{j}'))
    eqs = []
    for i in range(m):
        for k in range(r):
            for l in range(a):
                eqs.append(sum(AT[i, j]*G[j, k]*BT[j, l] for j in range(a)) - (1 if l == i+k else 0))
    sol = sp.solve(eqs, list(BT))
    BT = BT.subs(sol)
    assert all(x.is_number for x in BT), BT
    return AT, G, BT
for m, pts in [(2, [0, 1, -1]), (3, [0, 1, -1, sp.Rational(1, 2)]), (4, [0, 1, -1, sp.Rational(1, 2), -sp.Rational(1, 2)]), (6, [0, 1, -1, 2, -2, sp.Rational(1, 2), -sp.Rational(1, 2)])]:
    AT, G, BT = mats(m, 3, pts)
    print('m', m); print('AT', AT.tolist()); print('G', G.tolist()); print('BT', BT.tolist())

import numpy as np
rng = np.random.default_rng(0)
for m, pts in [(2, [0, 1, -1]), (3, [0, 1, -1, sp.Rational(1, 2)]), (3, [0,1,-1,2]), (4, [0, 1, -1, sp.Rational(1, 2), -sp.Rational(1, 2)]), (4,[0,1,-1,2,-2]), (6, [0, 1, -1, 2, -2, sp.Rational(1, 2), -sp.Rational(1, 2)])]:
    AT, G, BT = [np.array(x.tolist(), dtype=np.float64) for x in mats(m, 3, pts)]
    a = m + 2; C = 512; Fo = 64
    d = rng.standard_normal((a, a, C)); g = rng.standard_normal((3, 3, C, Fo)) * np.sqrt(2/(9*C))
    d = np.maximum(d, 0)  # post-relu-like
    ref = np.zeros((m, m, Fo))
    for i in range(m):
        for j in range(m):
            ref[i, j] = np.einsum('pqc,pqcf->f', d[i:i+3, j:j+3], g)
    f32 = np.float32
    U = np.einsum('ap,pqcf,bq->abcf', G.astype(f32), g.astype(f32), G.astype(f32)).astype(f32)
    V = np.einsum('ap,pqc,bq->abc', BT.astype(f32), d.astype(f32), BT.astype(f32)).astype(f32)
    M = np.einsum('abc,abcf->abf', V, U).astype(f32)
    Y = np.einsum('ia,abf,jb->ijf', AT.astype(f32), M, AT.astype(f32)).astype(f32)
    print(m, pts, 'rel err', np.linalg.norm(Y - ref) / np.linalg.norm(ref), 'max', np.abs(Y-ref).max()/np.abs(ref).max())
