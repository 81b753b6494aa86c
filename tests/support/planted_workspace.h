// A small workspace whose SAE features are planted on a custom taxonomy with multi-parent nodes,
// for the analysis tests: every figure of `analyze` is known or cheap to recompute by brute force.
//
//   entity -> animal -> feline -> cat          classes: cat dog wolf car truck
//                    -> canine -> dog, wolf    cat and dog also sit under animal -> pet
//                    -> pet    -> cat, dog
//          -> vehicle -> car, truck
//
// Rows: 8 dims, dims 0-4 a noisy one-hot of the class, dim 5 a random sign, dims 6-7 noise.
// Features: 0 fires on cat+dog (node pet), 1 on the rows with a positive sign (a random half),
// 2 on car+truck (vehicle), 3 never, 4-8 on one class each, 9 on dog+wolf (canine).
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <c10/util/Half.h>

#include "core/sae/sae_io.h"
#include "core/store/atomic_file.h"
#include "core/store/npy_file.h"
#include "core/store/workspace.h"

namespace taxoscope::test {

inline constexpr const char* kPlantedTaxonomy =
    "[classes]\ncat\ndog\nwolf\ncar\ntruck\n"
    "[edges]\ncat\tfeline\ncat\tpet\ndog\tcanine\ndog\tpet\nwolf\tcanine\ncar\tvehicle\n"
    "truck\tvehicle\nfeline\tanimal\ncanine\tanimal\npet\tanimal\nanimal\tentity\n"
    "vehicle\tentity\n";

struct PlantedWorkspace {
    std::filesystem::path root;
    std::filesystem::path taxonomy_tsv;
    std::string layer = "blocks.1";
    int64_t rows = 0;
    std::vector<int32_t> labels;
};

inline core::Sae planted_sae(int64_t d_in = 8) {
    const int64_t d_sae = 10;
    core::SaeConfig config;
    config.architecture = core::Activation::ReLU;
    config.d_in = d_in;
    config.d_sae = d_sae;
    core::SaeWeights w;
    w.w_enc.assign(static_cast<size_t>(d_in * d_sae), 0.0f);
    w.b_enc.assign(static_cast<size_t>(d_sae), -0.5f);
    auto set = [&](int64_t dim, int64_t feature) {
        w.w_enc[static_cast<size_t>(dim * d_sae + feature)] = 1.0f;
    };
    set(0, 0);
    set(1, 0);
    set(5, 1);
    w.b_enc[1] = 0.0f;
    set(3, 2);
    set(4, 2);
    w.b_enc[3] = -1.0f;
    for (int64_t c = 0; c < 5; ++c) {
        set(c, 4 + c);
    }
    set(1, 9);
    set(2, 9);
    // The decoder maps each feature back onto its input dims (an imperfect reconstruction).
    w.w_dec.assign(static_cast<size_t>(d_sae * d_in), 0.0f);
    for (int64_t j = 0; j < d_sae; ++j) {
        for (int64_t k = 0; k < d_in; ++k) {
            w.w_dec[static_cast<size_t>(j * d_in + k)] =
                0.8f * w.w_enc[static_cast<size_t>(k * d_sae + j)];
        }
    }
    w.b_dec.assign(static_cast<size_t>(d_in), 0.05f);
    return core::Sae::create(config, w, "planted SAE").value();
}

// Writes the workspace under `root` (rows in float32, or float16 with `half`).
inline PlantedWorkspace write_planted_workspace(const std::filesystem::path& root,
                                                int64_t rows = 400, bool half = false) {
    namespace core = taxoscope::core;
    PlantedWorkspace ws;
    ws.root = root;
    ws.rows = rows;
    core::WorkspacePaths paths(root);
    std::filesystem::create_directories(paths.activations_dir());
    core::WorkspaceManifest m;
    m.image_count = rows;
    m.layers = {{ws.layer, 8, "pooled"}};
    m.token = "pooled";
    m.dtype = half ? "float16" : "float32";
    m.created = core::utc_timestamp_now();
    m.classes.name = "planted";
    for (const char* name : {"cat", "dog", "wolf", "car", "truck"}) {
        m.classes.entries.push_back({"", name, 0});
    }
    if (!core::write_manifest(paths.manifest(), m)) {
        return {};
    }
    std::mt19937 gen(11);
    std::normal_distribution<float> noise(0.0f, 0.1f);
    std::vector<float> x(static_cast<size_t>(rows * 8), 0.0f);
    std::vector<core::ImageRecord> records;
    for (int64_t i = 0; i < rows; ++i) {
        const auto c = static_cast<int32_t>(gen() % 5);
        ws.labels.push_back(c);
        float* row = x.data() + i * 8;
        row[c] = 1.0f + noise(gen);
        row[5] = (gen() & 1u) != 0 ? 1.0f + noise(gen) : -1.0f;
        row[6] = noise(gen);
        row[7] = noise(gen);
        records.push_back(
            {i, "img/" + std::to_string(i) + ".png", c, i < rows * 3 / 4 ? "train" : "test"});
    }
    (void)core::write_image_table(paths.images(), records);
    if (half) {
        std::vector<uint16_t> h(x.size());
        for (size_t k = 0; k < x.size(); ++k) {
            h[k] = c10::Half(x[k]).x;
        }
        (void)core::write_npy(paths.activations(ws.layer),
                              core::TensorView{h.data(), core::DType::F16, {rows, 8}});
    } else {
        (void)core::write_npy(paths.activations(ws.layer),
                              core::TensorView{x.data(), core::DType::F32, {rows, 8}});
    }
    (void)core::save_sae(paths.sae_dir(ws.layer), planted_sae());
    ws.taxonomy_tsv = root / "planted_taxonomy.tsv";
    (void)core::write_file_atomic(ws.taxonomy_tsv, kPlantedTaxonomy);
    return ws;
}

}  // namespace taxoscope::test
