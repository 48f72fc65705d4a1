/// Which networks are super-resolution generators, and by how much they enlarge.
extension NetworkSpec {
    /// Output pixels per input pixel along each side for a super-resolution generator (SRResNet:
    /// its `scale`, 2 or 4), nil for any other network (pix2pix and CycleGAN generators keep the
    /// size; discriminators and feature extractors are not image-to-image). The one place
    /// `translate upscale`, the tiling runner and the memory estimate ask: a new SR kind adds its
    /// case here.
    public var upscaleFactor: Int? {
        switch kind {
        case .generator(let generator): return generator.isSuperResolution ? scale : nil
        case .discriminator, .features: return nil
        }
    }

    /// Input pixels on each side of a pixel that can change the output there (the receptive
    /// field's radius, rounded up), for super-resolution generators whose convolutions see a
    /// fixed neighbourhood; nil for other networks. Tiles whose context margin is at least this
    /// are exact. SRResNet: the 9×9 head 4, two 3×3 convs per block, the trunk conv 1, the ×2
    /// upsampling convs 1 + ½ + …  < 2, the 9×9 tail 4/scale.
    public var receptiveFieldRadius: Int? {
        switch kind {
        case .generator(let generator):
            switch generator {
            case .srresnet: return 4 + 2 * blocks + 1 + 2 + (4 + scale - 1) / Swift.max(1, scale)
            // MSRResNet: conv_first, two 3×3 per block, the upsampling convs and the HR convs (< 3
            // input pixels), and the bilinear skip (1).
            case .msrresnet: return 1 + 2 * blocks + 3 + 1
            // SRVGGNetCompact: num_conv + 2 3×3 convs, all at the input resolution.
            case .srvggnetCompact: return convs + 2
            // RRDBNet: conv_first, 15 3×3 convs on the longest path of each RRDB, conv_body, and the
            // nearest-upsampled convs (< 2 input pixels), at the pixel-unshuffled resolution
            // (×4 for scale 1, ×2 for scale 2).
            case .rrdbnet: return (1 + 15 * blocks + 1 + 2) * Swift.max(1, 4 / Swift.max(1, scale))
            case .resnet6, .resnet9, .unet128, .unet256: return nil
            }
        case .discriminator, .features:
            return nil
        }
    }
}
