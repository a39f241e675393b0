package jrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * tanh, sigmoid and exp on SIMD lanes from additions, multiplications, fused multiply-adds and a
 * division only: about 3e-7 (tanh) and 8e-8 (exp) relative error, a third of a nanosecond per
 * element, and, unlike the platform's vector tanh and exp (Intel SVML), the same bits whether
 * the JIT has compiled the code yet or not, so that a seed gives the same run from the first
 * step on, and on every machine.
 */
final class VectorMath {
  private VectorMath() {}

  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  /**
   * tanh(x) as x P(x^2) / Q(x^2), a rational minimax fit on [-7.9, 7.9] (the form Eigen uses),
   * x itself below 4e-4, saturating beyond.
   */
  static FloatVector tanh(FloatVector a) {
    FloatVector x = a.max(-7.90531110763549805f).min(7.90531110763549805f);
    FloatVector x2 = x.mul(x);
    FloatVector p = x2.fma(-2.76076847742355e-16f, 2.00018790482477e-13f);
    p = p.fma(x2, FloatVector.broadcast(S, -8.60467152213735e-11f));
    p = p.fma(x2, FloatVector.broadcast(S, 5.12229709037114e-08f));
    p = p.fma(x2, FloatVector.broadcast(S, 1.48572235717979e-05f));
    p = p.fma(x2, FloatVector.broadcast(S, 6.37261928875436e-04f));
    p = p.fma(x2, FloatVector.broadcast(S, 4.89352455891786e-03f));
    FloatVector q = x2.fma(1.19825839466702e-06f, 1.18534705686654e-04f);
    q = q.fma(x2, FloatVector.broadcast(S, 2.26843463243900e-03f));
    q = q.fma(x2, FloatVector.broadcast(S, 4.89352518554385e-03f));
    return p.mul(x).div(q).blend(a, a.abs().compare(VectorOperators.LT, 0.0004f));
  }

  /** sigmoid(x) = (1 + tanh(x / 2)) / 2. */
  static FloatVector sigmoid(FloatVector x) {
    return tanh(x.mul(0.5f)).fma(0.5f, 0.5f);
  }

  /**
   * exp(x) = 2^n e^r with n = round(x / ln 2), r = x - n ln 2 (Cody-Waite, two parts of ln 2),
   * e^r by the Cephes polynomial, and 2^n built in the exponent bits. Rounding to n uses the
   * float trick of adding 1.5 * 2^23, which leaves n in the low mantissa bits.
   */
  static FloatVector exp(FloatVector a) {
    FloatVector x = a.max(-87.33654f).min(88.72283f);
    FloatVector t = x.fma(1.44269504088896341f, 12582912f);
    FloatVector n = t.sub(12582912f);
    FloatVector r = n.fma(FloatVector.broadcast(S, -0.693359375f), x);
    r = n.fma(FloatVector.broadcast(S, 2.12194440e-4f), r);
    FloatVector y = r.fma(1.9875691500E-4f, 1.3981999507E-3f);
    y = y.fma(r, FloatVector.broadcast(S, 8.3334519073E-3f));
    y = y.fma(r, FloatVector.broadcast(S, 4.1665795894E-2f));
    y = y.fma(r, FloatVector.broadcast(S, 1.6666665459E-1f));
    y = y.fma(r, FloatVector.broadcast(S, 5.0000001201E-1f));
    y = y.fma(r.mul(r), r).add(1f);
    IntVector bits = (IntVector) t.reinterpretAsInts();
    IntVector scale = bits.sub(0x4B400000 - 127).lanewise(VectorOperators.LSHL, 23);
    return y.mul(scale.reinterpretAsFloats());
  }
}
